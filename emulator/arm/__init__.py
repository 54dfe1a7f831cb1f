"""Azure Resource Manager under ``/arm``: the routes, the resource model, Azure's permission model, throttling."""
