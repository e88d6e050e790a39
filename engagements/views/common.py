"""What the engagement views share."""


def first_error(form) -> str:
    return next(iter(form.errors.values()))[0]
