"""One message in, one analysis out: the per-message pipeline composed of swappable stages."""
