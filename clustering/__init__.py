"""Finding groups of similar messages: UMAP → HDBSCAN → outlier assignment → keywords and names."""
