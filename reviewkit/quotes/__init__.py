"""quotes stage: split a body into quoted text, own words, attributions,
signatures, trailers and the parts of a patch mail.

Verbs: :func:`split_blocks`, :func:`find_trailers`, :func:`comment_runs`.
The trailer grammar, for the format rules: :func:`parse_trailer_line`,
:func:`find_trailer_run`, :func:`find_trailer_lines`, :func:`parse_person`;
a cover letter's own words: :func:`find_cover_text`.
Helpers for the patch stage: :func:`parse_quote_prefix`,
:func:`is_attribution`, :func:`parse_attribution`, :func:`body_lines`.
"""

from reviewkit.quotes.attribution import is_attribution, parse_attribution
from reviewkit.quotes.comments import CommentRun, comment_runs, is_snip_line
from reviewkit.quotes.patchmail import find_cover_text
from reviewkit.quotes.prefix import parse_quote_prefix, quote_depth
from reviewkit.quotes.split import body_lines, split_blocks
from reviewkit.quotes.trailers import find_trailer_lines, find_trailer_run, find_trailers, parse_person, parse_trailer_line

__all__ = [
    "CommentRun",
    "body_lines",
    "comment_runs",
    "find_cover_text",
    "find_trailer_lines",
    "find_trailer_run",
    "find_trailers",
    "is_attribution",
    "is_snip_line",
    "parse_attribution",
    "parse_person",
    "parse_quote_prefix",
    "parse_trailer_line",
    "quote_depth",
    "split_blocks",
]
