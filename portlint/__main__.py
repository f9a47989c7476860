"""`portlint` and `python -m portlint`: the command line (portlint/cli/), with the cyclic garbage
collector off from the first import on."""

import gc


def main() -> None:
    # Off before typer and portlint's modules are imported, not only once the command runs (cli.main):
    # the collector re-scans every class and function those imports create, about a tenth of the
    # start-up of a small check, and collects nothing there.
    gc.disable()
    from portlint.cli import main as command_line

    command_line()


if __name__ == "__main__":
    main()
