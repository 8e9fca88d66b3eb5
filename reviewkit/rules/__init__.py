"""Rules stage: findings over changed functions, from a knowledge base."""
