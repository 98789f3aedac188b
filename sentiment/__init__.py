"""How the customer feels: a sentiment head on message vectors, fused with the customer's own score."""
