"""Generated worlds to seed the emulator with: the ARM world, the fleet, the brownfield estate, scenario files.

They produce scenario sections for the services (data only); the dev world is ``scenarios/dev.yaml``.
"""
