"""policybot: cited answers to questions about Chinese policy-news articles."""

__version__ = "0.1.0"
