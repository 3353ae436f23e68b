"""The app's settings with one addition for the page benchmark: a trivial view as the floor."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
