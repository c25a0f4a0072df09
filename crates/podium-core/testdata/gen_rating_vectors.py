#!/usr/bin/env python3
"""Print reference rating vectors (JSON) for podium-core's rating tests.

TrueSkill values come from sublee's `trueskill` package and Weng-Lin values from OpenSkill's
`BradleyTerryFull`, the reference implementations named in issue 3. Regenerate with:

    python3 -m venv /tmp/ratvenv && /tmp/ratvenv/bin/pip install trueskill openskill
    /tmp/ratvenv/bin/python crates/podium-core/testdata/gen_rating_vectors.py \
        > crates/podium-core/testdata/rating_vectors.json

Ranks follow our convention: 1 is the winner, equal ranks are a draw.
"""

import json
import sys
from importlib.metadata import version

import trueskill
from openskill.models import BradleyTerryFull

MU = 25.0
SIGMA = 25.0 / 3.0
BETA = 25.0 / 6.0


def trueskill_cases():
    params = {
        "mu": MU,
        "sigma": SIGMA,
        "beta": BETA,
        "tau": 25.0 / 300.0,
        "draw_probability": 0.1,
    }
    env = trueskill.TrueSkill(
        mu=params["mu"],
        sigma=params["sigma"],
        beta=params["beta"],
        tau=params["tau"],
        draw_probability=params["draw_probability"],
    )
    cases = [
        ("1v1", [[(MU, SIGMA)], [(MU, SIGMA)]], [1, 2]),
        ("1v1_upset", [[(20.0, 6.0)], [(30.0, 4.0)]], [1, 2]),
        ("draw", [[(28.0, 6.0)], [(22.0, 5.0)]], [1, 1]),
        ("2v2", [[(25.0, 8.0), (30.0, 5.0)], [(27.0, 3.0), (22.0, 7.0)]], [2, 1]),
        (
            "ffa4",
            [[(25.0, 8.0)], [(30.0, 5.0)], [(27.0, 3.0)], [(22.0, 7.0)]],
            [2, 1, 4, 3],
        ),
    ]
    out = []
    for name, teams, ranks in cases:
        groups = [tuple(env.create_rating(mu, sigma) for mu, sigma in t) for t in teams]
        # sublee's ranks are also "lower is better, equal is a draw".
        rated = env.rate(groups, ranks=ranks)
        out.append(
            {
                "name": name,
                "teams": [[{"mu": m, "sigma": s} for m, s in t] for t in teams],
                "ranks": ranks,
                "expected": [[{"mu": r.mu, "sigma": r.sigma} for r in t] for t in rated],
                "quality": env.quality(groups),
            }
        )
    return {"params": params, "cases": out}


def weng_lin_cases():
    out = []
    cases = [
        ("1v1", 0.0, [[(MU, SIGMA)], [(MU, SIGMA)]], [1, 2]),
        ("1v1_upset", 0.0, [[(20.0, 6.0)], [(30.0, 4.0)]], [1, 2]),
        # OpenSkill 6 averages the mu change of tied teams, which neither the paper nor
        # skillratings does; from equal priors both agree, so the draw starts there.
        ("draw", 0.0, [[(MU, SIGMA)], [(MU, SIGMA)]], [1, 1]),
        ("2v2", 0.0, [[(25.0, 8.0), (30.0, 5.0)], [(27.0, 3.0), (22.0, 7.0)]], [2, 1]),
        (
            "ffa4",
            0.0,
            [[(25.0, 8.0)], [(30.0, 5.0)], [(27.0, 3.0)], [(22.0, 7.0)]],
            [2, 1, 4, 3],
        ),
        # OpenSkill's default tau (25/300): sigma^2 + tau^2 before the match.
        ("1v1_tau", 25.0 / 300.0, [[(20.0, 6.0)], [(30.0, 4.0)]], [1, 2]),
    ]
    for name, tau, teams, ranks in cases:
        # tau must be set on the model: `rate(tau=0)` falls back to the model's own tau.
        model = BradleyTerryFull(mu=MU, sigma=SIGMA, beta=BETA, kappa=0.0001, tau=tau)
        groups = [[model.rating(mu=mu, sigma=sigma) for mu, sigma in t] for t in teams]
        rated = model.rate(groups, ranks=ranks)
        out.append(
            {
                "name": name,
                "params": {"mu": MU, "sigma": SIGMA, "beta": BETA, "kappa": 0.0001, "tau": tau},
                "teams": [[{"mu": m, "sigma": s} for m, s in t] for t in teams],
                "ranks": ranks,
                "expected": [[{"mu": r.mu, "sigma": r.sigma} for r in t] for t in rated],
            }
        )
    return {"cases": out}


def main():
    doc = {
        "generated_by": "testdata/gen_rating_vectors.py",
        "versions": {
            "python": sys.version.split()[0],
            "trueskill": version("trueskill"),
            "openskill": version("openskill"),
        },
        "trueskill": trueskill_cases(),
        "weng_lin": weng_lin_cases(),
    }
    json.dump(doc, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
