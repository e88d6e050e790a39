"""Pages of a list however long it grows: the database pages it, and counts it only when the
first page does not already hold everything."""

from django.core.paginator import Page, Paginator

PAGE_SIZE = 50


def page_of(queryset, number, size: int = PAGE_SIZE) -> Page:
    """The page asked for (the last one past the end, the first for nonsense)."""
    paginator = Paginator(queryset, size)
    if str(number or "1") != "1":
        return paginator.get_page(number)
    rows = list(queryset[: size + 1])
    # A short list is counted by its first page; a long one costs a COUNT, as any page would.
    paginator.count = len(rows) if len(rows) <= size else queryset.count()
    return Page(rows[:size], 1, paginator)
