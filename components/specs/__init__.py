"""Plain, frozen argument types of the components: no Pulumi import, no profile layer.

The configuration layer (cutover.config) parses a profile into these; another Pulumi program builds
them directly (examples/).
"""
