"""Inside .venv-verl: ``trainer_client/openrlhf_agent.py`` (or, without ``--train.agent_func_path``,
OpenRLHF's own executor posting to ``--reward.remote_url``) as OpenRLHF 0.11.2 runs it. The flags go
through OpenRLHF's own argument parser (the ``__main__`` block of ``openrlhf/cli/train_ppo_ray.py``
up to its ``train(args)`` call); the executor is loaded by OpenRLHF's ``_load_agent_executor`` and
driven by ``RolloutRayActor.generate_responses``, both run as written in the installed
``openrlhf/trainer/ray/vllm_engine.py`` (the module imports vLLM at its top, which does not install
on a CPU, so the two functions are compiled from its source). What stands in: vLLM's generation
(``RolloutRayActor.generate``), which returns the token ids of the scripted responses, finishing
in shuffled order. The processor is a Qwen2-VL one that expands each image placeholder, and
OpenRLHF's ``process_prompt_with_images`` runs on it. Reads a job (JSON) on stdin, prints the
results (JSON) as the last line."""

import argparse
import ast
import asyncio
import json
import os
import random
import sys
import types
from datetime import datetime
from pathlib import Path

import openrlhf
from PIL import Image

OPENRLHF = Path(openrlhf.__file__).parent


def parsed_args(argv: list[str]):
    """OpenRLHF's own parsing and checks of ``argv``: its ``__main__`` block but the final ``train(args)``."""
    path = OPENRLHF / "cli" / "train_ppo_ray.py"
    tree = ast.parse(path.read_text())
    main = next(n for n in tree.body if isinstance(n, ast.If) and "__main__" in ast.unparse(n.test))
    body = [s for s in main.body if not (isinstance(s, ast.Expr) and ast.unparse(s).startswith("train("))]
    assert len(body) == len(main.body) - 1, "train_ppo_ray.py's __main__ block changed"
    namespace = {"__name__": "train_ppo_ray", "argparse": argparse, "os": os, "datetime": datetime}
    sys.argv = ["train_ppo_ray.py", *argv]
    exec(compile(ast.Module(body=body, type_ignores=[]), str(path), "exec"), namespace)
    return namespace["args"]


def vllm_engine_functions():
    """``_load_agent_executor`` and ``RolloutRayActor.generate_responses``, compiled from OpenRLHF's source."""
    from openrlhf.utils.agent import AgentExecutorBase

    path = OPENRLHF / "trainer" / "ray" / "vllm_engine.py"
    tree = ast.parse(path.read_text())
    loader = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "_load_agent_executor")
    actor = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "RolloutRayActor")
    generate = next(n for n in actor.body if isinstance(n, ast.AsyncFunctionDef) and n.name == "generate_responses")
    namespace = {"AgentExecutorBase": AgentExecutorBase, "asyncio": asyncio}
    exec(compile(ast.Module(body=[loader, generate], type_ignores=[]), str(path), "exec"), namespace)
    return namespace["_load_agent_executor"], namespace["generate_responses"]


class Output:
    def __init__(self, token_ids):
        self.token_ids, self.finish_reason, self.logprobs = token_ids, "stop", None


class ScriptedGeneration:
    """Stands in for vLLM behind ``RolloutRayActor.generate``: each call returns the next scripted
    response of its ``generate_responses`` call (known by its sampling object, a copy of its own as
    Ray gives each actor call), after a random delay (or the job's: a late sibling)."""

    def __init__(self, executor, processor, seed: int) -> None:
        self.executor, self.processor, self.rng = executor, processor, random.Random(seed)
        self.scripts: dict[int, list[str]] = {}
        self.late: dict[int, dict[int, float]] = {}  # call -> {its n-th generation: seconds it takes}
        self.given: dict[int, list[str]] = {}

    async def generate(self, prompt_token_ids, sampling_params, multi_modal_data=None):
        response = self.scripts[sampling_params.call].pop(0)
        late = self.late.get(sampling_params.call, {})
        position = len(self.given.setdefault(sampling_params.call, []))
        self.given[sampling_params.call].append(response)
        await asyncio.sleep(late.get(position, self.rng.random() * 0.05))
        ids = self.processor.tokenizer(response, add_special_tokens=False).input_ids
        return types.SimpleNamespace(outputs=[Output(ids + [self.processor.tokenizer.eos_token_id])])


class Sampling:
    """The fields of vLLM's ``SamplingParams`` that ``SingleTurnAgentExecutor.execute`` reads (it
    deep-copies them before generating: ``call`` goes along)."""

    def __init__(self, max_tokens, call):
        self.max_tokens, self.logprobs, self.call = max_tokens, None, call


async def calls(job, args, load_agent_executor, generate_responses):
    from openrlhf.utils.agent import SingleTurnAgentExecutor

    from trainer_client.tiny_vl import build_tiny_vl_processor

    processor = build_tiny_vl_processor()
    # RolloutRayActor.__init__'s choice (vllm_engine.py): the agent file, else the default executor
    # with the remote reward URL(s) as train_ppo_ray passes them.
    if args.train.agent_func_path:
        executor = load_agent_executor(args.train.agent_func_path)
    else:
        executor = SingleTurnAgentExecutor(args.reward.remote_url)
    engine = ScriptedGeneration(executor, processor, job["seed"])
    engine.generate_responses = types.MethodType(generate_responses, engine)
    tasks = []
    for number, call in enumerate(job["calls"]):
        engine.scripts[number] = list(call["responses"])
        engine.late[number] = {int(k): v for k, v in call.get("late", {}).items()}
        content = [{"type": "text", "text": call["instruction"]}]
        if call["image"]:
            content.insert(0, {"type": "image"})
        prompt = processor.apply_chat_template([{"role": "user", "content": content}], add_generation_prompt=True,
                                               tokenize=False)  # fmt: skip
        images = [Image.new("RGB", (56, 56), tuple(call["image"]))] if call["image"] else None
        n = args.rollout.n_samples_per_prompt if call["pass"] == "train" else args.eval.n_samples_per_prompt
        sampling = Sampling(call["max_tokens"], number)
        tasks.append(engine.generate_responses(prompt=prompt, label=call["label"], sampling_params=sampling,
                                               max_length=call["max_length"], hf_tokenizer=processor,
                                               num_samples=n, images=images))  # fmt: skip
    outputs = await asyncio.gather(*tasks)

    def generated(output):
        start = output["action_ranges"][-1][0]
        return processor.decode(output["observation_tokens"][start:], skip_special_tokens=True)

    return [[{"reward": o["reward"], "scores": o["scores"], "extra_logs": o["extra_logs"], "response": generated(o)}
             for o in call_outputs] for call_outputs in outputs]  # fmt: skip


def main():
    job = json.loads(sys.stdin.read())
    os.environ.update(job["env"])
    args = parsed_args(job["argv"])
    load_agent_executor, generate_responses = vllm_engine_functions()
    result = {
        "remote_url": args.reward.remote_url,
        "n": [args.rollout.n_samples_per_prompt, args.eval.n_samples_per_prompt],
        "estimator": args.algo.advantage.estimator,
        "calls": asyncio.run(calls(job, args, load_agent_executor, generate_responses)),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
