"""Training heads on labelled messages (topics, sentiment) from vectors and text features."""
