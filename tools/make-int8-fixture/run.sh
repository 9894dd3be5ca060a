#!/bin/sh
# Rewrites the int8 fixtures (see Program.cs). Run from anywhere; takes about a minute.
set -e
root=$(cd "$(dirname "$0")/../.." && pwd)
dotnet run --project "$root/tools/make-int8-fixture" -c Release -- "$root"
