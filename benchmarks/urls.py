from django.urls import include, path

from . import floors

urlpatterns = [
    path("bench/floor/engagement/<int:pk>/", floors.engagement_floor, name="floor-engagement"),
    path("bench/floor/portfolio/", floors.portfolio_floor, name="floor-portfolio"),
    path("", include("fasttrack.urls")),
]
