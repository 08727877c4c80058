import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useLoaderData } from "@remix-run/react";
import { Banner, Button, Text } from "@shopify/polaris";
import { StandalonePage } from "~/components/StandalonePage";
import { db } from "~/db.server";
import { startSquareSignIn } from "~/integrations/connections/flow.server";

export const loader = ({ request }: LoaderFunctionArgs) => ({ signedOut: new URL(request.url).searchParams.has("signed-out") });

// Signing in is Square's own consent page: whoever can approve Tillbridge for a seller may manage it here.
export const action = async (_args: ActionFunctionArgs) => {
  throw redirect(await startSquareSignIn(db()));
};

export const meta: MetaFunction = () => [{ title: "Sign in · Tillbridge for Square" }];

export default function SquareSignIn() {
  const { signedOut } = useLoaderData<typeof loader>();
  return (
    <StandalonePage title="Tillbridge for Square">
      {signedOut && (
        <Banner tone="info">
          <p>You are signed out.</p>
        </Banner>
      )}
      <Text as="p">
        Tillbridge keeps your Square sales in QuickBooks Online and your stock matched with your Shopify store. Sign in with the Square account of your
        business; the first time, Square asks you to approve Tillbridge.
      </Text>
      <Form method="post">
        <Button submit variant="primary">
          Sign in with Square
        </Button>
      </Form>
    </StandalonePage>
  );
}
