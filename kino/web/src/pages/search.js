// /search: the server renders the first page of results; "Load more" asks the api for the next.
import { videoCard } from '../lib/cards.js';
import { $ } from '../lib/dom.js';
import { gql } from '../lib/graphql.js';
import { startLayout } from '../lib/layout.js';

const SEARCH = `query Search($q: String!, $after: String) {
  videos(first: 24, after: $after, query: $q) {
    edges { node { id title durationSeconds thumbnailUrl viewCount createdAt owner { handle displayName } } }
    pageInfo { hasNextPage endCursor } } }`;

async function more(event) {
  const button = event.currentTarget;
  button.disabled = true;
  try {
    const { videos } = await gql(SEARCH, { q: button.dataset.query, after: button.dataset.after });
    $('.video-grid').append(...videos.edges.map((edge) => videoCard(edge.node, 2)));
    button.dataset.after = videos.pageInfo.endCursor || '';
    button.hidden = !videos.pageInfo.hasNextPage;
  } finally {
    button.disabled = false;
  }
}

startLayout();
$('#more-results')?.addEventListener('click', more);
