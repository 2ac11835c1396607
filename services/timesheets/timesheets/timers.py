"""A nameko timer whose interval comes from the service config.

nameko's ``@timer(interval=...)`` fixes the interval when the class is
defined; this one reads it from a config key when the container starts, so
tests and operators can set it per deployment.
"""

from nameko.timer import Timer


class ConfiguredTimer(Timer):
    def __init__(self, config_key: str, default: float, **kwargs):
        super().__init__(interval=default, **kwargs)
        self.config_key = config_key
        self.default = default

    def setup(self):
        value = self.container.config.get(self.config_key)
        self.interval = float(value) if value not in (None, "") else self.default


configured_timer = ConfiguredTimer.decorator
