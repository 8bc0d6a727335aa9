"""An import-only placeholder for torchvision, for SGLang's request types on a CPU.

SGLang 0.5.23 imports ``torchvision.transforms`` (and ``.functional``, ``.v2``) at module level in
its multimodal helpers (``srt/multimodal/internvl_utils.py``, reached from
``srt/managers/io_struct.py`` through ``srt/configs``), but request validation never calls them.
No torchvision wheel available here loads on the CPU torch (they are built for CUDA torch), so
this stands in: any ``torchvision.*`` module imports, any name in it resolves to a placeholder,
and using a placeholder raises at once instead of returning anything fake.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import types

__version__ = "0.0.0+placeholder"
__path__: list[str] = []


class _PlaceholderMeta(type):
    def __getattr__(cls, name: str) -> type:
        if name.startswith("__"):
            raise AttributeError(name)
        return Placeholder


class Placeholder(metaclass=_PlaceholderMeta):
    """Any torchvision class, constant or function: usable in annotations and default values only."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def __getattr__(self, name: str) -> type:
        return Placeholder

    def __call__(self, *args: object, **kwargs: object) -> None:
        raise RuntimeError("torchvision is an import-only placeholder here (SGLang's request types only)")


class _PlaceholderModule(types.ModuleType):
    def __getattr__(self, name: str) -> type:
        if name.startswith("__"):
            raise AttributeError(name)
        return Placeholder


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Answers every ``torchvision.<sub>`` import with a placeholder module."""

    def find_spec(self, name, path, target=None):
        if name.startswith("torchvision."):
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None

    def create_module(self, spec):
        return _PlaceholderModule(spec.name)

    def exec_module(self, module):
        module.__path__ = []


sys.meta_path.insert(0, _Finder())


def __getattr__(name: str) -> type:
    if name.startswith("__"):
        raise AttributeError(name)
    return Placeholder
