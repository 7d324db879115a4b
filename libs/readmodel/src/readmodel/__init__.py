"""The read side shared by the services that show pièces (deposit, archive).

- ``readmodel.access``: who may see and do what (``Principal``, ``Habilitation``, ``principal_from_user``);
- ``readmodel.search``: the pièce search over a Mongo collection (``SearchCriteria``, ``search_filter``,
  ``search_page``);
- ``readmodel.search_params``: the query parameters of ``GET /v1/pieces`` as a FastAPI dependency.
"""
