"""Where passages live: the local index folder (FAISS + BM25) or Milvus, written incrementally."""
