"""One-off plugin: adds a ``hello`` command to the CLI."""

import click

import projtrack as pt


@pt.hookimpl
def register_commands(cli):
    @cli.command()
    @click.argument("name")
    def hello(name):
        """Say hello."""
        click.echo(f"hello {name}")
