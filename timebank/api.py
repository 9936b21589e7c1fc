from ninja import NinjaAPI

api = NinjaAPI(title="Timebank API", version="1", urls_namespace="api")
