"""Reading a service's YAML config the way ``nameko run`` does.

``${NAME:default}`` in a value is replaced by the environment variable NAME,
or by the default when it is not set.
"""

from pathlib import Path

import yaml
from nameko.cli.main import setup_yaml_parser


def load_config(path: str | Path) -> dict:
    setup_yaml_parser()
    with open(path) as stream:
        return yaml.safe_load(stream)


def database_url(config: dict) -> str:
    """The one database URL of a service config (``DB_URIS`` has one entry)."""
    (url,) = config["DB_URIS"].values()
    return url
