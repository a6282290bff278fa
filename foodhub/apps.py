from django.apps import AppConfig


class FoodhubConfig(AppConfig):
    name = "foodhub"
    verbose_name = "Foodhub"
