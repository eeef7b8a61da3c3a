# Sphinx configuration of the collection's docs site (`make docs`, built into build/docs/).
# The pages come from the modules', filters' and roles' own documentation through antsibull-docs;
# this file only sets the theme and resolves references to ansible-core's documentation.

project = "wsgi.apache"
copyright = "wsgi.apache contributors"
title = "wsgi.apache collection documentation"
html_short_title = "wsgi.apache"

extensions = ["sphinx.ext.autodoc", "sphinx_antsibull_ext"]
pygments_style = "ansible"
highlight_language = "YAML+Jinja"
html_theme = "sphinx_ansible_theme"
html_show_sphinx = False
display_version = False
html_use_smartypants = True
html_use_modindex = False
html_use_index = False
html_copy_source = False
default_role = "any"
nitpicky = True

# References to ansible-core's own documentation (ansible.builtin modules, its reference
# appendices) become links to docs.ansible.com without downloading its inventory at build time:
# the build runs where only the package registries are reachable.  Any other unresolved reference
# is still a warning, and the build treats warnings as errors.
CORE_DOCS = "https://docs.ansible.com/projects/ansible/latest/"
CORE_LABELS = {
    "ansible_configuration_settings": "reference_appendices/config.html",
    "common_return_values": "reference_appendices/common_return_values.html",
    "action_plugins": "plugins/action.html",
}
BUILTIN = "ansible_collections.ansible.builtin."


def core_reference(app, env, node, contnode):
    from docutils import nodes

    target = node.get("reftarget", "")
    if target in CORE_LABELS:
        url = CORE_DOCS + CORE_LABELS[target]
    elif target.startswith(BUILTIN):
        url = CORE_DOCS + "collections/ansible/builtin/%s.html" % target[len(BUILTIN):]
    else:
        return None
    reference = nodes.reference("", "", internal=False, refuri=url)
    reference.append(contnode)
    return reference


def setup(app):
    app.connect("missing-reference", core_reference)
