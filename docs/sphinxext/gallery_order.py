"""The order of the examples in the gallery: a learning path, not code length.

sphinx-gallery sorts the examples of each gallery folder with the
``within_subsection_order`` key of ``sphinx_gallery_conf``. ``docs/conf.py``
names :class:`LearningPathOrder` there by its fully qualified name
(``"gallery_order.LearningPathOrder"``, this folder being on ``sys.path``);
sphinx-gallery instantiates it with the folder being sorted and calls it with
each example's file name (a bare name, or a full path when its recommender
collects the files), using the returned value as the sort key.
"""

from pathlib import Path

# Each gallery folder's examples, in the order a reader should take them.
LEARNING_PATH = (
    # examples/: fit the estimators, then one method in depth each.
    "plot_quickstart.py",
    "plot_dti_prototypes.py",
    "plot_mmdc_embedding.py",
    "plot_stdac_spatial_transformer.py",
    # examples/workflows/: skdeepclust in everyday scikit-learn work.
    "plot_image_folder.py",
    "plot_pipeline.py",
    "plot_grid_search.py",
    "plot_save_load.py",
    "plot_gpu.py",
)


class LearningPathOrder:
    """Sort key: an example's place in :data:`LEARNING_PATH`.

    Examples not in the list come after the listed ones, by file name, so
    that a new example shows up (last) instead of breaking the build.

    Parameters
    ----------
    src_dir : str or pathlib.Path
        The gallery folder being sorted (given by sphinx-gallery; unused, the
        file names are unique across the folders).
    """

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        name = Path(filename).name
        if name in LEARNING_PATH:
            return (LEARNING_PATH.index(name), "")
        return (len(LEARNING_PATH), name)

    def __repr__(self):
        # Stable, like sphinx-gallery's own sort keys: the default repr
        # holds a memory address, different at every build.
        return f"<{type(self).__name__}>"
