"""The company's taxonomy of topics with owners, and assigning messages to it."""
