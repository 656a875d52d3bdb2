"""From sources to validated data: the model, reading and checking data files, source documents and records."""
