"""Label taxonomies: the tree model, files (YAML / JSON, the bundled six), WordNet, and the registry."""

from verifier_service.taxonomy.files import load_taxonomies, load_taxonomy_file, parse_taxonomy_text
from verifier_service.taxonomy.model import Node, Taxonomy, TaxonomyError
from verifier_service.taxonomy.registry import (
    BrowsableTaxonomy,
    TaxonomyConflict,
    TaxonomyRegistry,
    TooManyTaxonomies,
)

__all__ = [
    "BrowsableTaxonomy",
    "Node",
    "Taxonomy",
    "TaxonomyConflict",
    "TaxonomyError",
    "TaxonomyRegistry",
    "TooManyTaxonomies",
    "load_taxonomies",
    "load_taxonomy_file",
    "parse_taxonomy_text",
]
