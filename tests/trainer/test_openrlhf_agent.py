"""The OpenRLHF agent executor (``trainer_client/openrlhf_agent.py``) as OpenRLHF 0.11.2 runs it
(issue 31): the README's flags and environment through OpenRLHF's own argument parser, the executor
loaded by its ``_load_agent_executor`` and driven by its ``generate_responses`` in .venv-verl, against
a live verifier with an API key from a file. Every reward is compared with ``trainer_client.rewards``
for the same groups."""

import random
import re
import shlex
import socket
from pathlib import Path

import httpx
import pytest
from support.fakes import ScriptedJudge
from support.verl_checks import REPO, run_script

import trainer_client
from trainer_client.rewards import best_of_rollout_rewards
from verifier_service.config import Settings
from verifier_service.grading import Category

pytestmark = pytest.mark.slow

KEY = "openrlhf-agent-test-key-0123456789"
LABEL = "Laysan Albatross"
INSTRUCTION = "bird"  # one question for every image, as the method's dataset asks it
# Answers in the tiny processor's vocabulary (trainer_client/tiny_vl.py); None: no answer tag.
ANSWERS = ["laysan albatross", "albatross", "seabird", "bird", "indigo bunting", "black footed albatross", None]


def readme_command() -> tuple[dict[str, str], list[str]]:
    """The environment and the flags of the README's OpenRLHF command (its ``...`` is the user's own)."""
    text = (REPO / "README.md").read_text()
    block = re.search(r"```bash\n((?:\w+=\S+ )+\\\npython3 -m openrlhf\.cli\.train_ppo_ray .*?)\n```", text, re.S)
    words = shlex.split(block.group(1).replace("\\\n", " "))
    start = words.index("python3")
    env = dict(w.split("=", 1) for w in words[:start])
    assert words[start : start + 4] == ["python3", "-m", "openrlhf.cli.train_ppo_ray", "..."], words[start:]
    flags = words[start + 4 :]
    path_flag = flags.index("--train.agent_func_path") + 1
    assert flags[path_flag] == "$(python3 -c 'import trainer_client.openrlhf_agent as m; print(m.__file__)')"
    flags[path_flag] = str(Path(trainer_client.__file__).with_name("openrlhf_agent.py"))  # what the shell gives
    return env, flags


def response(answer: str | None) -> str:
    return "<think> bird </think> " + (f"<answer> {answer} </answer>" if answer else "none")


def expected(calls: list[dict], http: httpx.Client) -> list[list[float]]:
    found = []
    for call in calls:
        items = [{"ground_truth": LABEL, "prediction": a or "x"} for a in call["answers"]]
        grades = http.post("/grade", json={"items": items, "taxonomy": "cub-200"}).json()["grades"]
        categories = [g["category"] if a else "unparseable" for g, a in zip(grades, call["answers"], strict=True)]
        found.append(best_of_rollout_rewards(categories, [0] * len(categories)))
    return found


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_readme_command_in_openrlhfs_own_executor_path(live_server, tmp_path):
    env, flags = readme_command()
    key_file = tmp_path / "key"
    key_file.write_text(KEY + "\n")
    rng = random.Random(11)

    def call(kind, n, image, max_length=64):
        answers = [rng.choice(ANSWERS) for _ in range(n)]
        return {"pass": kind, "image": image, "label": LABEL, "instruction": INSTRUCTION, "answers": answers,
                "responses": [response(a) for a in answers], "max_tokens": 12, "max_length": max_length}  # fmt: skip

    train_n, eval_n = int(flags[flags.index("--rollout.n_samples_per_prompt") + 1]), 4
    calls = [
        call("train", train_n, [200, 10, 10]),
        call("train", train_n, [10, 10, 200]),  # another image, the same question and label: another group
        call("eval", eval_n, [10, 200, 10]),  # evaluation's own n
        call("train", train_n, None, max_length=18),  # text only, the prompt cut at its front by OpenRLHF
    ]
    judges = {"j": ScriptedJudge({}, default=Category.WRONG)}
    with live_server(Settings(data_dir=tmp_path / "data", api_keys=[KEY]), judges) as server:
        job = {"seed": 4, "argv": flags, "calls": calls,
               "env": {**env, "VERIFIER_URL": server.url, "VERIFIER_API_KEY_FILE": str(key_file)}}  # fmt: skip
        found, _ = run_script("run_openrlhf_agent.py", job)
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {KEY}"}, timeout=60) as http:
            want = expected(calls, http)
        down = {**job, "calls": calls[:1], "env": {**job["env"], "VERIFIER_URL": f"http://127.0.0.1:{closed_port()}",
                                                   "SPECIARL_RETRY_FOR_S": "1"}}  # fmt: skip
        unscored, log = run_script("run_openrlhf_agent.py", down)
    assert found["remote_url"] == ["agent"] and found["n"] == [train_n, eval_n] and found["estimator"] == "group_norm"
    assert [len(c) for c in found["calls"]] == [train_n, train_n, eval_n, train_n]
    for call_found, call_sent, rewards in zip(found["calls"], calls, want, strict=True):
        assert [o["response"] for o in call_found] == [r.strip() for r in call_sent["responses"]]  # exact
        assert [o["reward"] for o in call_found] == rewards
        assert all(o["extra_logs"] == {"speciarl_unscored": 0.0} for o in call_found)
    assert any(len(set(r)) > 1 for r in want)  # the groups are not all of one reward
    assert [o["reward"] for o in unscored["calls"][0]] == [0.0] * train_n  # no advantage, no crash
    assert all(o["extra_logs"] == {"speciarl_unscored": 1.0} for o in unscored["calls"][0])
    assert "no rewards for a group of 8" in log


def readme_remote_command() -> list[str]:
    """The flags of the README's remote-URL OpenRLHF command."""
    text = (REPO / "README.md").read_text()
    command = r"```bash\n(python3 -m openrlhf\.cli\.train_ppo_ray \.\.\. \\\n.*?--reward\.remote_url.*?)\n```"
    block = re.search(command, text, re.S)
    words = shlex.split(block.group(1).replace("\\\n", " "))
    assert words[:4] == ["python3", "-m", "openrlhf.cli.train_ppo_ray", "..."], words
    return words[4:]


def test_the_readme_remote_url_command_with_openrlhfs_own_executor(live_server, tmp_path):
    """Issue 31, the remote URL: OpenRLHF's default executor (``SingleTurnAgentExecutor.execute``,
    its ``_fetch_rewards_via_http`` and retries) posting one rollout at a time, with the README's
    flags and prepare-data's label objects: one question for several images (a group per sample),
    an evaluation pass of its own n, a Qwen2-VL processor expanding placeholders, a prompt cut at its
    front, a judge failure and a sibling late past the group's deadline (their groups 0.0
    throughout, flagged, never a crash)."""
    flags = readme_remote_command()
    rng = random.Random(12)
    train_n = int(flags[flags.index("--rollout.n_samples_per_prompt") + 1])
    eval_n = int(flags[flags.index("--eval.n_samples_per_prompt") + 1])

    def call(kind, image, sample, max_length=64, answers=None):
        n = train_n if kind == "train" else eval_n
        answers = answers or [rng.choice(ANSWERS) for _ in range(n)]
        label = {"ground_truth": LABEL, "sample_id": sample, **({"group_size": n} if kind == "eval" else {})}
        return {"pass": kind, "image": image, "label": label, "instruction": INSTRUCTION, "answers": answers,
                "responses": [response(a) for a in answers], "max_tokens": 12, "max_length": max_length}  # fmt: skip

    calls = [
        call("train", [200, 10, 10], "img-a"),
        call("train", [10, 10, 200], "img-b"),  # another image, the same question and label: its own group
        call("eval", [10, 200, 10], "img-c"),  # evaluation's own n, from its label
        call("train", None, "txt-d", max_length=18),  # text only, the prompt cut at its front by OpenRLHF
        call("train", [90, 90, 90], "img-e", answers=["laysan albatross", "bronzed"] + ["bird"] * (train_n - 2)),
        {**call("train", [5, 5, 5], "img-f"), "late": {"0": 4.0}},  # a sibling past the group's deadline (3 s)
    ]
    judges = {"j": ScriptedJudge({}, default=Category.WRONG, fail_pairs=frozenset({(LABEL.lower(), "bronzed")}))}
    with live_server(Settings(data_dir=tmp_path / "data"), judges) as server:
        url = flags[flags.index("--reward.remote_url") + 1]
        assert url.startswith("http://verifier:8000/openrlhf/reward?group_size=8&taxonomy=cub-200")
        argv = [*flags]
        argv[flags.index("--reward.remote_url") + 1] = url.replace("http://verifier:8000", server.url) + "&wait_s=3"
        found, _ = run_script("run_openrlhf_agent.py", {"seed": 5, "argv": argv, "calls": calls, "env": {}})
        with httpx.Client(base_url=server.url, timeout=60) as http:
            want = expected(calls[:-2], http)
    assert found["remote_url"] == [argv[flags.index("--reward.remote_url") + 1]] and found["n"] == [train_n, eval_n]
    assert [len(c) for c in found["calls"]] == [train_n, train_n, eval_n, train_n, train_n, train_n]
    for call_found, rewards in zip(found["calls"], want, strict=False):
        assert [o["reward"] for o in call_found] == rewards
        assert all(o["extra_logs"]["speciarl_unscored"] == 0.0 for o in call_found)
    assert any(len(set(r)) > 1 for r in want)  # the groups are not all of one reward
    for unscored in found["calls"][-2:]:  # a judge failure (the specific answer's group too), a late sibling
        assert [o["reward"] for o in unscored] == [0.0] * train_n  # all or nothing: no advantage, no crash
        assert all(o["extra_logs"]["speciarl_unscored"] == 1.0 for o in unscored)
