"""The reader: a trained model that reads question and passage together, reranks and finds the answer."""
