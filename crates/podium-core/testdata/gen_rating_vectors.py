#!/usr/bin/env python3
"""Print reference rating vectors (JSON) for podium-core's rating tests.

TrueSkill values come from sublee's `trueskill` package and Weng-Lin values from OpenSkill's
`BradleyTerryFull`, the reference implementations named in issue 3. Glicko-2 values come from
`Glicko2` below: a second implementation written from Glickman's "Example of the Glicko-2
system" (2022 revision), independent of the `skillratings` crate the engine uses, and checked
here against the paper's worked example before any vector is written. (PyPI's `glicko2`
package is not used: its volatility function squares the rating where the paper squares the
deviation.) Regenerate with:

    python3 -m venv /tmp/ratvenv && /tmp/ratvenv/bin/pip install trueskill openskill
    /tmp/ratvenv/bin/python crates/podium-core/testdata/gen_rating_vectors.py \
        > crates/podium-core/testdata/rating_vectors.json

Ranks follow our convention: 1 is the winner, equal ranks are a draw.
"""

import json
import math
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


class Glicko2:
    """Glickman's Glicko-2, steps 1-8 of the paper, for one player over one rating period."""

    SCALE = 173.7178
    EPSILON = 0.000001

    def __init__(self, tau):
        self.tau = tau

    @staticmethod
    def g(phi):
        return 1.0 / math.sqrt(1.0 + 3.0 * phi * phi / (math.pi * math.pi))

    @staticmethod
    def e(mu, mu_j, phi_j):
        return 1.0 / (1.0 + math.exp(-Glicko2.g(phi_j) * (mu - mu_j)))

    def rate(self, rating, deviation, volatility, games):
        """games: [(opponent rating, opponent deviation, score 1 / 0.5 / 0)]."""
        # Step 2: to the Glicko-2 scale.
        mu = (rating - 1500.0) / self.SCALE
        phi = deviation / self.SCALE
        sigma = volatility
        opponents = [((r - 1500.0) / self.SCALE, d / self.SCALE, s) for r, d, s in games]
        # Steps 3-4: estimated variance and improvement.
        v = 1.0 / sum(
            self.g(p) ** 2 * self.e(mu, m, p) * (1.0 - self.e(mu, m, p)) for m, p, _ in opponents
        )
        delta = v * sum(self.g(p) * (s - self.e(mu, m, p)) for m, p, s in opponents)
        # Step 5: the new volatility by the Illinois algorithm.
        a = math.log(sigma * sigma)

        def f(x):
            ex = math.exp(x)
            return ex * (delta * delta - phi * phi - v - ex) / (
                2.0 * (phi * phi + v + ex) ** 2
            ) - (x - a) / (self.tau * self.tau)

        big_a = a
        if delta * delta > phi * phi + v:
            big_b = math.log(delta * delta - phi * phi - v)
        else:
            k = 1
            while f(a - k * self.tau) < 0:
                k += 1
            big_b = a - k * self.tau
        f_a, f_b = f(big_a), f(big_b)
        while abs(big_b - big_a) > self.EPSILON:
            big_c = big_a + (big_a - big_b) * f_a / (f_b - f_a)
            f_c = f(big_c)
            if f_c * f_b <= 0:
                big_a, f_a = big_b, f_b
            else:
                f_a /= 2.0
            big_b, f_b = big_c, f_c
        sigma_new = math.exp(big_a / 2.0)
        # Steps 6-8: new deviation and rating, back to the original scale.
        phi_star = math.sqrt(phi * phi + sigma_new * sigma_new)
        phi_new = 1.0 / math.sqrt(1.0 / (phi_star * phi_star) + 1.0 / v)
        mu_new = mu + phi_new * phi_new * sum(
            self.g(p) * (s - self.e(mu, m, p)) for m, p, s in opponents
        )
        return 1500.0 + self.SCALE * mu_new, self.SCALE * phi_new, sigma_new


def glicko2_cases():
    # The paper's worked example: 1500/200/0.06 plays 1400/30 (win), 1550/100 and 1700/300
    # (losses) with tau 0.5; the paper gives 1464.06, 151.52, 0.05999.
    r, d, s = Glicko2(0.5).rate(
        1500.0, 200.0, 0.06, [(1400.0, 30.0, 1.0), (1550.0, 100.0, 0.0), (1700.0, 300.0, 0.0)]
    )
    assert abs(r - 1464.06) < 0.01 and abs(d - 151.52) < 0.01 and abs(s - 0.05999) < 0.00001, (r, d, s)
    # Podium rates each match as a rating period with one game, for both players.
    cases = [
        ("paper_first_game", 0.5, (1500.0, 200.0, 0.06), (1400.0, 30.0, 0.06), [1, 2]),
        ("new_players", 0.5, (1500.0, 350.0, 0.06), (1500.0, 350.0, 0.06), [1, 2]),
        ("draw", 0.5, (1620.0, 80.0, 0.06), (1480.0, 120.0, 0.05), [1, 1]),
        ("upset", 0.5, (1300.0, 90.0, 0.06), (1850.0, 60.0, 0.06), [1, 2]),
        ("favourite_loses", 0.3, (1850.0, 60.0, 0.04), (1300.0, 90.0, 0.07), [2, 1]),
        ("volatile_high_tau", 1.2, (1700.0, 250.0, 0.09), (1450.0, 40.0, 0.06), [2, 1]),
    ]
    out = []
    for name, tau, a, b, ranks in cases:
        score_a = 0.5 if ranks[0] == ranks[1] else (1.0 if ranks[0] < ranks[1] else 0.0)
        model = Glicko2(tau)
        after_a = model.rate(*a, [(b[0], b[1], score_a)])
        after_b = model.rate(*b, [(a[0], a[1], 1.0 - score_a)])
        out.append(
            {
                "name": name,
                "params": {"tau": tau, "initial_deviation": 350.0, "max_deviation": 1000.0},
                "teams": [[{"rating": a[0], "deviation": a[1], "volatility": a[2]}],
                          [{"rating": b[0], "deviation": b[1], "volatility": b[2]}]],
                "ranks": ranks,
                "expected": [[{"rating": x[0], "deviation": x[1], "volatility": x[2]}]
                             for x in (after_a, after_b)],
            }
        )
    return {"paper_example": {"rating": r, "deviation": d, "volatility": s}, "cases": out}


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
        "glicko2": glicko2_cases(),
    }
    json.dump(doc, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
