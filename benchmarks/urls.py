from django.urls import include, path

from . import floors

urlpatterns = [
    path("bench/floor/engagement/<int:pk>/", floors.engagement_floor),
    path("bench/floor/engagements/", floors.engagement_list_floor),
    path("bench/floor/portfolio/", floors.portfolio_floor),
    path("bench/floor/portfolio/all/", floors.portfolio_all_floor),
    path("bench/floor/portfolio/summary/", floors.summary_floor),
    path("bench/floor/calendar/<str:token>/", floors.feed_floor),
    path("", include("fasttrack.urls")),
]
