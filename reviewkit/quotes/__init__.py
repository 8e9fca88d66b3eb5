"""quotes stage: split a body into quoted text, own words, attributions,
signatures, trailers and the parts of a patch mail."""

from reviewkit.quotes.comments import CommentRun, comment_runs, is_snip_line
from reviewkit.quotes.attribution import is_attribution, parse_attribution
from reviewkit.quotes.prefix import parse_quote_prefix, quote_depth
from reviewkit.quotes.split import split_blocks
from reviewkit.quotes.trailers import find_trailers

__all__ = [
    "CommentRun",
    "comment_runs",
    "is_snip_line",
    "find_trailers",
    "is_attribution",
    "parse_attribution",
    "parse_quote_prefix",
    "quote_depth",
    "split_blocks",
]
