"""Short training settings for scikit-learn's 8x8 digits, shared by the tests.

The estimators' defaults are the authors' MNIST schedules (hundreds of
steps per epoch on 28x28 images); digits has 1,797 tiny images, so these
settings shorten the schedules and shrink the networks. On the CPU each
beats KMeans (ACC 0.79) with seed 0; ``benchmarks/results`` has the
scores of seeds 0-2.
"""

# 28 steps of 64 per epoch: 5 epochs of identity, then affine warps.
DTI_SCHEDULE = dict(
    transformations=("identity", "affine"),
    curriculum_milestones=(5,),
    max_epochs=18,
    lr_milestones=(15,),
    batch_size=64,
    init="k-means++",
)
DTI_LEARNING_RATES = {"DTIKMeans": 2e-3, "DTIGaussianMixture": 5e-3}

# A smaller network, larger steps and a weaker self-target term than the
# MNIST defaults, which are tuned for 2,000 steps per epoch, not 28, and
# running batch-norm statistics, which make a sample's prediction during
# training independent of its batch (the default does about as well). ACC over
# seeds 0-5 on the CPU: 0.95, 0.68, 0.93, 0.94, 0.77, 0.90.
STDAC_PARAMS = dict(
    n_clusters=10,
    n_st_layers=1,
    st_init="identity",
    conv_channels=(16, 32, 64),
    hidden_units=128,
    self_target_weight=1.0,
    max_epochs=30,
    batch_size=64,
    learning_rate=2e-3,
    bn_statistics="running",
)

# 16x16 input, 10 epochs of 57 steps, refinement from epoch 7 (the
# paper's recipe is 50 epochs of 128-image batches).
MMDC_PARAMS = dict(
    n_clusters=10,
    max_epochs=10,
    batch_size=32,
    input_size=16,
    refine_epoch=7,
    lr_milestones=(9,),
)
