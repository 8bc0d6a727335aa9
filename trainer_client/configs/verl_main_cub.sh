#!/usr/bin/env bash
# The method's main run in verl 0.9 (GRPO, Qwen2.5-VL-7B-Instruct with LoRA, 3,000 CUB-200 training
# images), rewarded by this project's verifier one rollout at a time, while generation runs.
# Hyper-parameters from shared/METHOD.md (the method's verl/configs/main_cub/ scripts): batch 256,
# rollout.n 10, actor lr 3e-5, PPO mini-batch 128, 15 epochs, LoRA r 64 / alpha 32, KL loss 0.01.
# The micro-batch sizes are not the method's (it does not state them; main_ppo requires them): they
# fit 8 GPUs of 80 GB; set them for yours (they change memory use, not the updates).
# Not run by this project's CI (it needs GPUs and vLLM); tests/trainer/test_verl_and_openrlhf.py
# runs the same reward manager inside verl's own code on a CPU.
#
# Usage: VERIFIER_URL=http://verifier:8000 TRAIN_FILES=cub_train.parquet VAL_FILES=cub_val.parquet \
#        [VERIFIER_API_KEY_FILE=/run/secrets/verifier_api_key] \
#        bash trainer_client/configs/verl_main_cub.sh [more hydra overrides]
# trainer_client must be installed on every node (pkg:// loads it there); the key file too: main_ppo
# prints its config and Ray's runtime_env to its logs, so the key is passed as a file's path.
# Validation groups have rollout.n members (val_kwargs.n below): verl tells a reward manager no
# validation rollout apart (README, "Group sizes").
# The parquet rows are verl's (prompt with the image, reward_model.ground_truth, data_source,
# extra_info); verl gives each sample's rollouts one uid: the verifier's group.
set -euo pipefail
: "${VERIFIER_URL:?set VERIFIER_URL to the verifier service}"
KEY_FILE=()
if [ -n "${VERIFIER_API_KEY_FILE:-}" ]; then KEY_FILE=(+reward.speciarl.api_key_file="$VERIFIER_API_KEY_FILE"); fi

python3 -m verl.trainer.main_ppo \
    algorithm.adv_estimator=grpo \
    data.train_files="${TRAIN_FILES:?}" data.val_files="${VAL_FILES:?}" \
    data.train_batch_size=256 data.max_prompt_length=1024 data.max_response_length=512 \
    data.image_key=images \
    actor_rollout_ref.model.path=Qwen/Qwen2.5-VL-7B-Instruct \
    actor_rollout_ref.model.lora_rank=64 actor_rollout_ref.model.lora_alpha=32 \
    actor_rollout_ref.model.target_modules=all-linear \
    actor_rollout_ref.actor.optim.lr=3e-5 \
    actor_rollout_ref.actor.ppo_mini_batch_size=128 \
    actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu=8 \
    actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu=16 \
    actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu=16 \
    actor_rollout_ref.actor.use_kl_loss=true actor_rollout_ref.actor.kl_loss_coef=0.01 \
    actor_rollout_ref.rollout.name=vllm actor_rollout_ref.rollout.n=10 actor_rollout_ref.rollout.val_kwargs.n=10 \
    reward.reward_manager.source=importlib \
    reward.reward_manager.name=SpeciaRLRewardManager \
    reward.reward_manager.module.path=pkg://trainer_client.verl_reward_loop \
    +reward.speciarl.verifier_url="$VERIFIER_URL" \
    +reward.speciarl.taxonomy=cub-200 \
    +reward.speciarl.max_concurrency=4096 \
    "${KEY_FILE[@]}" \
    trainer.total_epochs=15 \
    trainer.project_name=speciarl trainer.experiment_name=main_cub \
    "$@"
