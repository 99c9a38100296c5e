#!/bin/bash
# One command on a lent GPU machine: run it from the repository root there.
#
# The first call (START=1) copies the tree and the data (DATA: a folder with
# mnist/, fashion-mnist/, usps/ that travelled with the command), measures
# each estimator's speed alone (THROUGHPUT=1; AUTHORS_DTI: the src/ folder of
# a dti-clustering checkout, AUTHORS_MMDC: a checkout of guysrn/mmdc, to time
# the authors' code as well; then again in bfloat16) and its peak
# memory on all of MNIST (MEMORY=1, about a minute per run), then starts
# the PLAN with JOBS runs at once, detached, so that it goes on after the
# command returns. Every call then waits until the plan is done or UNTIL
# seconds have passed, and packs the outputs into $OUT/out.tgz.
#
#   START=1 DATA=.devdata/data PLAN=benchmarks/plans/gpu_seeds.txt JOBS=15 \
#       UNTIL=560 bash benchmarks/gpu_call.sh
#   UNTIL=570 bash benchmarks/gpu_call.sh
#
# The machine goes back about 30 s after a command returns: start the next
# call at once, or the detached plan is lost with it (a plan that must
# survive that should be one call long). GIT_COMMIT names the commit copied,
# for the result files (the copy has no .git).
C=/tmp/c
export SKDEEPCLUST_DATA_HOME=$C/data SKDEEPCLUST_GIT_COMMIT=$GIT_COMMIT
export PYTHONPATH=$C/src PYTHONUNBUFFERED=1
if [ -n "$START" ]; then
    rm -rf $C && mkdir -p $C/src $C/out
    cp -r benchmarks skdeepclust tests examples pyproject.toml $C/src/
    cp -r "${DATA:?DATA must name the data folder}" $C/data
    cd $C/src || exit 1
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
    python3 -c "import torch, sklearn; print(torch.__version__, sklearn.__version__)"
    if [ -n "$THROUGHPUT" ]; then
        # The authors' DTI code in the same invocation, when AUTHORS_DTI is set.
        python3 benchmarks/throughput.py --device cuda --epochs 2 \
            ${AUTHORS_DTI:+--authors-src "$AUTHORS_DTI"} \
            ${AUTHORS_MMDC:+--authors-mmdc-src "$AUTHORS_MMDC"} \
            --results-dir $C/out/throughput 2>&1 | tee $C/out/throughput.log
        python3 benchmarks/throughput.py --device cuda --epochs 2 \
            --precision bfloat16 --results-dir $C/out/throughput 2>&1 \
            | tee -a $C/out/throughput.log
    fi
    if [ -n "$MEMORY" ]; then
        # Peak device memory of a fit on all of MNIST, uint8 input (kept
        # uint8 on the GPU) and float32 input (kept float32, as every input
        # was before), 20 steps and the inference over the whole set.
        for input in uint8 float32; do
            python3 benchmarks/memory.py --device cuda --input $input \
                --results-dir $C/out/memory 2>&1 | tee -a $C/out/memory.log
        done
    fi
    setsid nohup python3 benchmarks/campaign.py "$PLAN" --out $C/out/campaign \
        --jobs "${JOBS:-14}" --device cuda > $C/out/campaign.log 2>&1 < /dev/null &
fi
status=$C/out/campaign/status.txt
while [ $SECONDS -lt "${UNTIL:-560}" ]; do
    sleep 5
    if [ -f $status ] && grep -q "^queued 0 running 0 " $status; then
        break
    fi
done
nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader
tail -n 40 $status
grep -h "ACC\|trace" $C/out/campaign/logs/*.log | tail -n 40
tar czf "$OUT/out.tgz" -C $C out
