"""The relevance benchmark: a judged set of natural queries and three systems scored on it.

`python -m bench.relevance` builds the evaluation archive under /tmp (the 40 real report
openings, the five samples, 300 generated reports), indexes it with the product, grades every
passage of the archive for every query with the hand-written rules of
`bench/data/relevance/queries.toml`, and prints zero-result rate, precision@5 and nDCG@10 for
today's search (a recorded run), a plain BM25 over jieba words and the live product.
"""
