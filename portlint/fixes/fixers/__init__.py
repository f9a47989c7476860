"""The fix functions, one per fixable rule, grouped like the checks; imported automatically."""
