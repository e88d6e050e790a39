from django.conf import settings


def client_ip(request) -> str:
    """The client's address, for the login lockout.

    Behind the TLS proxy every request comes from the proxy, so the address is the last entry
    of X-Forwarded-For: the one the proxy itself appended (earlier entries are the client's word).
    """
    if settings.BEHIND_TLS_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")
