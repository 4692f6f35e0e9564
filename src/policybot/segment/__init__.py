"""Segment: jieba (with the domain dictionary and stopwords) into index terms, in parallel for large adds."""
