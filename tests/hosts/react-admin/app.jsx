// A react-admin 5 back office, as a team would write one: Material UI inputs, ra-data-simple-rest
// against the host's REST API (server.mjs), hash routes by default or history routes under /app/.
// The Tandem script tag is in index.html, nothing else: the overlay must find its way alone.
import { DatePicker } from '@mui/x-date-pickers/DatePicker';
import { LocalizationProvider } from '@mui/x-date-pickers/LocalizationProvider';
import { AdapterDayjs } from '@mui/x-date-pickers/AdapterDayjs';
import dayjs from 'dayjs';
import 'dayjs/locale/de';
import simpleRestProvider from 'ra-data-simple-rest';
import { createRoot } from 'react-dom/client';
import {
  Admin,
  AutocompleteInput,
  BooleanInput,
  DataTable,
  Edit,
  EditButton,
  FormDataConsumer,
  List,
  Resource,
  SelectInput,
  SimpleForm,
  TextInput,
  useInput,
} from 'react-admin';
import { BrowserRouter } from 'react-router-dom';

const STATUSES = [
  { id: 'draft', name: 'Draft' },
  { id: 'review', name: 'In review' },
  { id: 'published', name: 'Published' },
  { id: 'archived', name: 'Archived' },
];
const CATEGORIES = [
  { id: 'tech', name: 'Technology' },
  { id: 'life', name: 'Lifestyle' },
  { id: 'news', name: 'News' },
  { id: 'sport', name: 'Sport' },
];

/** MUI X's DatePicker as a react-admin input: the record holds YYYY-MM-DD. */
function ReviewDateInput({ source, label }) {
  const { field } = useInput({ source });
  return (
    <DatePicker
      label={label}
      value={field.value ? dayjs(field.value) : null}
      onChange={(d) => field.onChange(d && d.isValid() ? d.format('YYYY-MM-DD') : null)}
      slotProps={{ textField: { name: source, margin: 'dense' } }}
    />
  );
}

const PostList = () => (
  <List>
    <DataTable>
      <DataTable.Col source="id" />
      <DataTable.Col source="title" />
      <DataTable.Col>
        <EditButton />
      </DataTable.Col>
    </DataTable>
  </List>
);

const history = location.pathname.startsWith('/app');

// Pessimistic: the record is written before the app moves on. `?mode=undoable` is react-admin's
// default: it goes back to the list at once and writes the record seconds later, when its Undo
// notification closes (docs/embedding.md). Under /app/ the form stays open after a save
// (redirect={false}); under / react-admin goes back to the list.
const mutationMode = new URLSearchParams(location.search).get('mode') === 'undoable' ? 'undoable' : 'pessimistic';
// `?note=1`: a dependent input (react-admin's FormDataConsumer) drawn only while Featured is on,
// as apps show fields that depend on others: the form changes under the overlay on the same record.
const withNote = new URLSearchParams(location.search).get('note') === '1';
const FeatureNote = () => (
  <FormDataConsumer>{({ formData }) => formData.featured && <TextInput source="feature_note" label="Feature note" />}</FormDataConsumer>
);
const PostEdit = () => (
  <Edit mutationMode={mutationMode} redirect={history ? false : 'list'}>
    <SimpleForm>
      <TextInput source="title" />
      <TextInput source="body" multiline minRows={3} />
      <SelectInput source="status" choices={STATUSES} />
      <BooleanInput source="featured" />
      {withNote && <FeatureNote />}
      <TextInput source="published_on" type="date" />
      <ReviewDateInput source="review_on" label="Review on" />
      <AutocompleteInput source="category" choices={CATEGORIES} />
    </SimpleForm>
  </Edit>
);

const dataProvider = simpleRestProvider('/api');
// `?dates=de`: the date pickers in German order (DD.MM.YYYY), as an app does for its German users.
const dateLocale = new URLSearchParams(location.search).get('dates') === 'de' ? 'de' : undefined;
const admin = (
  <LocalizationProvider dateAdapter={AdapterDayjs} adapterLocale={dateLocale}>
    <Admin dataProvider={dataProvider} disableTelemetry>
      <Resource name="posts" list={PostList} edit={PostEdit} />
    </Admin>
  </LocalizationProvider>
);
createRoot(document.getElementById('root')).render(history ? <BrowserRouter basename="/app">{admin}</BrowserRouter> : admin);
