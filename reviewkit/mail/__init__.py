"""mail stage."""
