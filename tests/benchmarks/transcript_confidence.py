"""How the offline recogniser holds up with background sound, and what the confidence threshold buys.

Speaks 00c_transcribe's script with flite, mixes it with white noise and with music-like tones at 20, 10 and 0 dB SNR
(three backgrounds each), decodes every mixture with pocketsphinx and applies each confidence threshold to the same
words (`mart_nb.transcribe.confidence_table`). Writes one row per background, SNR, seed and threshold to
nbs/results/transcripts/confidence.csv (read by 00c_transcribe) and prints the summary. About five minutes on one core.

    python tests/benchmarks/transcript_confidence.py [--out nbs/results/transcripts/confidence.csv]
"""

import argparse, os, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--out', default=str(ROOT / 'nbs' / 'results' / 'transcripts' / 'confidence.csv'))
    a = ap.parse_args()
    from mart_nb.transcribe import confidence_table, confidence_summary, MIN_CONFIDENCE

    t0 = time.perf_counter()
    table = confidence_table()
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f'.{out.name}.{os.getpid()}.tmp')
    table.to_csv(tmp, index=False)
    os.replace(tmp, out)
    s = confidence_summary(table)
    print(s.round(3).to_string(index=False))
    print(
        f"default threshold {MIN_CONFIDENCE}; {len(table)} rows in {time.perf_counter() - t0:.0f} s "
        f"({os.cpu_count()} cores seen) -> {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}"
    )


if __name__ == '__main__':
    main()
