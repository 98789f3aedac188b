"""Which language a customer wrote in."""
