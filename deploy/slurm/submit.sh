#!/bin/bash
# Queues the job array and the merge that waits for it.
set -euo pipefail
cd "$(dirname "$0")"
array=$(sbatch --parsable shards.sbatch)
sbatch --dependency=afterok:"${array%%;*}" merge.sbatch
