"""The tutorial project's HTTP routes: none are benchmarked."""

urlpatterns: list = []
