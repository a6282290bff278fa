# Orders' own models live in the Oscar forks (orders/order, orders/basket).
