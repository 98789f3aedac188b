"""Personal data found and removed before anything is stored, logged or embedded."""
