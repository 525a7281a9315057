"""A Vega-Lite chart widget that, after a step, swaps in new data instead of redrawing from scratch.

Solara's own ``VegaLite`` widget re-embeds the chart on every change (after a
100 ms debounce): Vega-Lite compiles the spec again, Vega parses it and
builds a new view. Between two steps only the data (and the day in the
description) change, so this widget keeps the Vega view and replaces its
named datasets (``view.data(name, values)``); any other change of the spec
embeds it anew. Updates that arrive while one is drawn are coalesced into
the newest.

The spec travels in a :class:`SpecBox`: Reacton walks (and copies) every list
and dict among an element's arguments, looking for child elements, and a
spec's thousands of data rows, walked at each of a Step's renders, cost more
than the step itself. A box is not walked.
"""

from __future__ import annotations

import solara.widgets
import traitlets

TEMPLATE = r"""
<template>
    <div>
        <div ref="plotElement"></div>
    </div>
</template>
<script>
module.exports = {
    created() {
        this.vegaLoaded = this.loadVega();
    },
    mounted() {
        this.draw();
    },
    destroyed() {
        if (this.observer) {
            this.observer.disconnect();
        }
        if (this.view) {
            this.view.finalize();
        }
    },
    watch: {
        spec() {
            this.draw();
        },
    },
    methods: {
        async draw() {
            await this.vegaLoaded;
            if (this.drawing) {  // draw the newest spec when the current drawing ends
                this.again = true;
                return;
            }
            this.drawing = true;
            try {
                do {
                    this.again = false;
                    await this.drawOnce(JSON.parse(JSON.stringify(this.spec)));
                } while (this.again);
            } finally {
                this.drawing = false;
            }
        },
        shape(spec) {
            const { datasets, description, ...rest } = spec;
            return JSON.stringify(rest);
        },
        async drawOnce(spec) {
            const shape = this.shape(spec);
            if (this.view && shape === this.lastShape) {
                for (const [name, values] of Object.entries(spec.datasets || {})) {
                    this.view.data(name, values);
                }
                await this.view.runAsync();
            } else {
                const vegaEmbed = await new Promise((resolve, reject) => {
                    require(['vega-embed'], resolve, reject);
                });
                if (this.view) {
                    this.view.finalize();
                }
                if (this.observer) {
                    this.observer.disconnect();
                    this.observer = null;
                }
                const fit = spec.width === "container";
                // Before embedding: Vega measures the container's width as it builds the view.
                this.$refs.plotElement.classList.toggle("width-container", fit);
                const { view } = await vegaEmbed(this.$refs.plotElement, spec);
                this.view = view;
                this.lastShape = shape;
                if (fit) {
                    this.observer = new ResizeObserver(() => view.resize());
                    this.observer.observe(this.$refs.plotElement);
                }
            }
            const root = this.$refs.plotElement.querySelector('[role=graphics-document]');
            if (root && spec.description) {
                root.setAttribute('aria-label', spec.description);
            }
        },
        async loadVega() {
            await this.loadRequire();
            require.config({
                map: {
                    '*': {
                        'vega': `${this.getCdn()}/vega@5/build/vega.min.js`,
                        'vega-lite': `${this.getCdn()}/vega-lite@5/build/vega-lite.min.js`,
                        'vega-embed': `${this.getCdn()}/vega-embed@6/build/vega-embed.min.js`,
                    }
                }
            });
            await new Promise((resolve, reject) => {
                require(['vega', 'vega-lite', 'vega-embed'], () => resolve(), reject);
            });
        },
        loadRequire() {
            if (window.requirejs) {
                return Promise.resolve();
            }
            return new Promise((resolve, reject) => {
                const script = document.createElement('script');
                script.src = `${this.getCdn()}/requirejs@2.3.6/require.js`;
                script.onload = resolve;
                script.onerror = reject;
                document.head.appendChild(script);
            });
        },
        getJupyterBaseUrl() {
            if (document.getElementsByTagName("base").length) {
                return "./";
            }
            const labConfigData = document.getElementById('jupyter-config-data');
            if (labConfigData) {
                return JSON.parse(labConfigData.textContent).baseUrl;
            }
            let base = document.body.dataset.baseUrl || document.baseURI;
            if (!base.endsWith('/')) {
                base += '/';
            }
            return base;
        },
        getCdn() {
            return this.cdn || (window.solara ? window.solara.cdn
                                              : `${this.getJupyterBaseUrl()}_solara/cdn`);
        }
    },
}
</script>
<style id="vega-live-container-width">
.width-container.vega-embed {
    width: 100%;
}
</style>
"""


class SpecBox:
    """A chart spec in an opaque box (see the module doc: Reacton does not walk it)."""

    __slots__ = ("spec",)

    def __init__(self, spec: dict):
        self.spec = spec


class LiveChart(solara.widgets.VegaLite):
    """Solara's Vega-Lite widget with the data-swapping front end above, fed a :class:`SpecBox`."""

    template_file = None
    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
    box = traitlets.Instance(SpecBox, allow_none=True)

    @traitlets.observe("box")
    def _unbox(self, change):
        self.spec = change["new"].spec if change["new"] is not None else {}
