"""Text → vector: ONNX Runtime embedders behind one interface (see :mod:`embeddings.loader`)."""
