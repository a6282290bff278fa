default_app_config = 'orders.order.apps.OrderConfig'
